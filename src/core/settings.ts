/**
 * The one registry of Hearth's settings: typed keys, defaults, ranges, scopes, and whether a
 * change needs the model reloaded. package.json's `contributes.configuration` must agree with
 * it (a unit test checks that).
 *
 * What a workspace may set (README, "Settings"): nothing that chooses a file to load, reaches
 * the network, sizes what the model takes of this machine (threads, context, GPU layers) or
 * offers the model to other extensions: those are "machine" settings, read from user (or
 * remote) settings only. A workspace may set how Hearth behaves in its editors (on/off per
 * language, indexing, debounce, token budgets), and the numeric ones only within their range;
 * until the workspace is trusted, its values for the budgets are ignored too
 * (package.json's restrictedConfigurations). VS Code does not enforce minimum and maximum
 * when a value is read, so readSetting clamps: a value out of range takes the nearest bound.
 */

export type SettingScope = "machine" | "window" | "resource" | "application" | "language-overridable";

export interface IntegerRange {
  minimum: number;
  maximum: number;
}

interface SettingSpec<T> {
  default: T;
  scope: SettingScope;
  /** A change to this setting takes effect only after the model is reloaded. */
  reloadsModel: boolean;
  isValid: (value: unknown) => value is T;
  /** For integer settings: the values allowed (package.json's minimum and maximum); others are clamped. */
  range?: IntegerRange;
}

const isString = (value: unknown): value is string => typeof value === "string";
const isBoolean = (value: unknown): value is boolean => typeof value === "boolean";
const isInteger = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
const isLoraMap = (value: unknown): value is Record<string, string[]> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every(isStringArray);
const isBooleanMap = (value: unknown): value is Record<string, boolean> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every(isBoolean);
const isGpuLayers = (value: unknown): value is number | "auto" => value === "auto" || isInteger(value);

function spec<T>(defaultValue: T, scope: SettingScope, reloadsModel: boolean, isValid: (value: unknown) => value is T, range?: IntegerRange): SettingSpec<T> {
  return { default: defaultValue, scope, reloadsModel, isValid, ...(range ? { range } : {}) };
}

function range(minimum: number, maximum: number): IntegerRange {
  return { minimum, maximum };
}

export const SETTINGS = {
  "hearth.completion.modelPath": spec("", "machine", true, isString),
  "hearth.chat.modelPath": spec("", "machine", true, isString),
  "hearth.modelFolders": spec<string[]>([], "machine", false, isStringArray),
  // 0: the engine's measured default. The static bound only: the engine caps threads at the machine's cores.
  "hearth.engine.threads": spec(0, "machine", true, isInteger, range(0, 256)),
  // The engine also caps it at the model's trained context.
  "hearth.engine.contextSize": spec(4096, "machine", true, isInteger, range(512, 131_072)),
  // llama.cpp's "all layers" is 999 (-ngl 999); no model has more.
  "hearth.engine.gpuLayers": spec<number | "auto">("auto", "machine", true, isGpuLayers, range(0, 999)),
  "hearth.engine.loraAdapters": spec<Record<string, string[]>>({}, "machine", true, isLoraMap),
  "hearth.context.indexWorkspace": spec(true, "window", false, isBoolean),
  "hearth.network.allowModelDownload": spec(false, "machine", false, isBoolean),
  "hearth.completion.enabled": spec(true, "window", false, isBoolean),
  "hearth.completion.languages": spec<Record<string, boolean>>({ "*": true, plaintext: false, markdown: false, scminput: false }, "window", false, isBooleanMap),
  // node-llama-cpp reads a budget of 0 as "no limit": the minimum keeps every reply bounded.
  "hearth.completion.maxTokens": spec(128, "window", false, isInteger, range(16, 1024)),
  "hearth.completion.debounceMs": spec(150, "window", false, isInteger, range(0, 2000)),
  "hearth.completion.inComments": spec(true, "window", false, isBoolean),
  "hearth.completion.inStrings": spec(true, "window", false, isBoolean),
  "hearth.chat.maxTokens": spec(512, "window", false, isInteger, range(64, 8192)),
  "hearth.chat.languageModelProvider": spec(false, "machine", false, isBoolean),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends SettingSpec<infer T> ? T : never;

/**
 * Reads a raw configuration value: the default when it is missing or malformed, a number
 * outside the setting's range clamped to it.
 */
export function readSetting<K extends SettingKey>(key: K, raw: unknown): SettingValue<K> {
  const entry: SettingSpec<unknown> = SETTINGS[key];
  if (!entry.isValid(raw)) return entry.default as SettingValue<K>;
  const bounds = entry.range;
  if (bounds && typeof raw === "number") return Math.min(bounds.maximum, Math.max(bounds.minimum, raw)) as SettingValue<K>;
  return raw as SettingValue<K>;
}

/** Why a raw value is not used as given (out of range or malformed), for the log; undefined when it is. */
export function settingProblem(key: SettingKey, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  const entry: SettingSpec<unknown> = SETTINGS[key];
  const used = JSON.stringify(readSetting(key, raw));
  if (!entry.isValid(raw)) return `${key}: ${JSON.stringify(raw)} is not a valid value; using the default ${used}.`;
  if (used !== JSON.stringify(raw)) return `${key}: ${JSON.stringify(raw)} is outside ${entry.range?.minimum}–${entry.range?.maximum}; using ${used}.`;
  return undefined;
}

/**
 * Window settings whose workspace value VS Code ignores until the workspace is trusted: the
 * budgets, which a workspace could otherwise raise to their maximum before the user decided
 * to trust it.
 */
const RESTRICTED_WINDOW_SETTINGS: readonly SettingKey[] = ["hearth.completion.maxTokens", "hearth.completion.debounceMs", "hearth.chat.maxTokens"];

/** package.json's restrictedConfigurations: every machine setting and the restricted window ones. */
export function restrictedSettings(): SettingKey[] {
  return (Object.keys(SETTINGS) as SettingKey[]).filter((key) => SETTINGS[key].scope === "machine" || RESTRICTED_WINDOW_SETTINGS.includes(key));
}

export function settingsNeedingReload(): SettingKey[] {
  return (Object.keys(SETTINGS) as SettingKey[]).filter((key) => SETTINGS[key].reloadsModel);
}

export function isSettingKey(value: unknown): value is SettingKey {
  return typeof value === "string" && Object.hasOwn(SETTINGS, value);
}
