/**
 * The one registry of Hearth's settings: typed keys, defaults, and whether a change
 * needs the model reloaded. package.json's `contributes.configuration` must agree with
 * it (a unit test checks that).
 */

export type SettingScope = "machine" | "window" | "resource" | "application" | "language-overridable";

interface SettingSpec<T> {
  default: T;
  scope: SettingScope;
  /** A change to this setting takes effect only after the model is reloaded. */
  reloadsModel: boolean;
  isValid: (value: unknown) => value is T;
}

const isString = (value: unknown): value is string => typeof value === "string";
const isBoolean = (value: unknown): value is boolean => typeof value === "boolean";
const isNonNegativeInteger = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0;
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
const isLoraMap = (value: unknown): value is Record<string, string[]> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every(isStringArray);
const isBooleanMap = (value: unknown): value is Record<string, boolean> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every(isBoolean);
const isGpuLayers = (value: unknown): value is number | "auto" => value === "auto" || isNonNegativeInteger(value);

function spec<T>(defaultValue: T, scope: SettingScope, reloadsModel: boolean, isValid: (value: unknown) => value is T): SettingSpec<T> {
  return { default: defaultValue, scope, reloadsModel, isValid };
}

export const SETTINGS = {
  "hearth.completion.modelPath": spec("", "machine", true, isString),
  "hearth.chat.modelPath": spec("", "machine", true, isString),
  "hearth.modelFolders": spec<string[]>([], "machine", false, isStringArray),
  "hearth.engine.threads": spec(0, "machine", true, isNonNegativeInteger),
  "hearth.engine.contextSize": spec(4096, "machine", true, isNonNegativeInteger),
  "hearth.engine.gpuLayers": spec<number | "auto">("auto", "machine", true, isGpuLayers),
  "hearth.engine.loraAdapters": spec<Record<string, string[]>>({}, "machine", true, isLoraMap),
  "hearth.context.indexWorkspace": spec(true, "window", false, isBoolean),
  "hearth.network.allowModelDownload": spec(false, "machine", false, isBoolean),
  "hearth.completion.enabled": spec(true, "window", false, isBoolean),
  "hearth.completion.languages": spec<Record<string, boolean>>({ "*": true, plaintext: false, markdown: false, scminput: false }, "window", false, isBooleanMap),
  "hearth.completion.maxTokens": spec(128, "window", false, isNonNegativeInteger),
  "hearth.completion.debounceMs": spec(150, "window", false, isNonNegativeInteger),
  "hearth.chat.maxTokens": spec(512, "window", false, isNonNegativeInteger),
  "hearth.chat.languageModelProvider": spec(false, "window", false, isBoolean),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends SettingSpec<infer T> ? T : never;

/** Reads a raw configuration value, falling back to the default when it is missing or malformed. */
export function readSetting<K extends SettingKey>(key: K, raw: unknown): SettingValue<K> {
  const entry: SettingSpec<unknown> = SETTINGS[key];
  return (entry.isValid(raw) ? raw : entry.default) as SettingValue<K>;
}

export function settingsNeedingReload(): SettingKey[] {
  return (Object.keys(SETTINGS) as SettingKey[]).filter((key) => SETTINGS[key].reloadsModel);
}

export function isSettingKey(value: unknown): value is SettingKey {
  return typeof value === "string" && Object.hasOwn(SETTINGS, value);
}
