/**
 * npm run bench -- oracle [--places=N] [--seed=S] [--manual]: does the completion pipeline
 * throw away good model output, or ever corrupt code? Spans are cut out of real files (from
 * node_modules) at places picked from their tree-sitter parse; the pipeline is run twice per
 * place, as `hearth complete --raw-output` runs it: the raw output is exactly the span (a perfect
 * fill-in-the-middle model), then the span followed by the file's next lines (a model that runs
 * on). The shown text is compared with the span, and the document it would leave is reparsed.
 */
import { countErrors } from "../src/context/analysis/syntaxCheck";
import { looksMinified, textVerdict } from "../src/context/parsing/inputGuard";
import { parserFor, parseWithLimit } from "../src/context/parsing/parsers";
import { fileSnapshot } from "../src/cli/completeCommand";
import { Prng } from "../test/support/models/prng";
import type { Parser } from "web-tree-sitter";
import { join } from "node:path";
import { machineInfo, markdownTable, repoRoot, round, writeResult } from "./benchSupport";
import { completeWithRawOutput, declineReason } from "./oracle/oraclePipeline";
import { LlamaCppBundle, nodeModulesFiles, ORACLE_LANGUAGES, sourcesFor, type OracleLanguage, type SourceFile } from "./oracle/oracleSources";
import { judge, type Verdict, type WrongKind } from "./oracle/oracleVerdict";
import { cutAt, findPlaces, PLACE_KINDS, samplePlaces, type CutDocument, type Place, type PlaceKind } from "./oracle/spanCutter";

/** Lines of the file after the span that the running-on model also writes. */
const CONTINUATION_LINES = 8;
const MAX_FILES_PER_LANGUAGE = 300;
/** Files the grammar cannot read well (many errors in the original) say little about the pipeline. */
const MAX_ORIGINAL_ERRORS = 20;
const MAX_LINES = 2500;
const PARSE_LIMIT_MS = 2000;
const EXAMPLES_PER_KEY = 2;

type Run = "exact" | "runOn";
const RUNS: readonly Run[] = ["exact", "runOn"];
const RUN_LABEL: Record<Run, string> = { exact: "exact span", runOn: "span + next lines" };

interface Outcome {
  shown: boolean;
  verdict?: Verdict;
  wrong?: WrongKind;
  /** The document after accepting has more syntax errors than the original file; undefined when its parse timed out. */
  addsErrors?: boolean;
  mode?: string;
  decline?: string;
}

interface PlaceRecord {
  language: string;
  file: string;
  kind: PlaceKind;
  variant: string;
  start: number;
  end: number;
  spanLines: number;
  exact: Outcome;
  runOn: Outcome;
}

interface Example {
  language: string;
  file: string;
  kind: PlaceKind;
  variant: string;
  run: string;
  failure: string;
  /** A few lines around the cursor (█) of the document without the span. */
  document: string;
  span: string;
  raw: string;
  shown: string | null;
}

function option(args: readonly string[], name: string): string | undefined {
  return args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function shuffled<T>(items: readonly T[], random: Prng): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random.next() * (index + 1));
    [copy[index], copy[other]] = [copy[other], copy[index]];
  }
  return copy;
}

/** End of the `count`-th line after `from` (its line break excluded). */
function endOfLinesAfter(text: string, from: number, count: number): number {
  let end = from;
  for (let line = 0; line <= count; line++) {
    const next = text.indexOf("\n", end + (line === 0 ? 0 : 1));
    if (next < 0) return text.length;
    end = next;
  }
  return end;
}

function excerpt(document: CutDocument): string {
  const marked = document.text.slice(0, document.offset) + "█" + document.text.slice(document.offset);
  const lines = marked.split("\n");
  const row = document.text.slice(0, document.offset).split("\n").length - 1;
  return lines.slice(Math.max(0, row - 3), row + 3).join("\n");
}

function errorsIn(parser: Parser, text: string): number | undefined {
  const tree = parseWithLimit(parser, text, null, PARSE_LIMIT_MS);
  if (!tree) return undefined;
  try {
    return countErrors(tree);
  } finally {
    tree.delete();
  }
}

function failureOf(outcome: Outcome): string | undefined {
  if (!outcome.shown) return `declined: ${outcome.decline}`;
  if (outcome.verdict === "wrong") return `wrong: ${outcome.wrong}`;
  if (outcome.addsErrors) return "partial, adds syntax errors";
  if (outcome.verdict === "prefix") return "partial, no new errors";
  return undefined;
}

class OracleRun {
  readonly records: PlaceRecord[] = [];
  readonly examples: Example[] = [];
  readonly files = new Map<string, { used: string[]; skipped: Record<string, number> }>();
  pipelineMs = 0;
  private readonly exampleCounts = new Map<string, number>();

  constructor(private readonly manual: boolean) {}

  async language(language: OracleLanguage, sources: readonly SourceFile[], perCell: number, seed: string): Promise<void> {
    const random = new Prng(`${seed}:${language.name}`);
    const parser = await parserFor(language.grammar);
    const taken: Record<PlaceKind, number> = { "rest-of-line": 0, block: 0, expression: 0, string: 0 };
    const files = { used: [] as string[], skipped: {} as Record<string, number> };
    this.files.set(language.name, files);
    const skip = (reason: string) => { files.skipped[reason] = (files.skipped[reason] ?? 0) + 1; };
    // Many files, a few places each; a language with few files gives more places per file.
    const perFile = Math.max(2, Math.ceil(perCell / Math.min(20, Math.max(1, sources.length))));
    let tried = 0;
    for (const file of shuffled(sources, random)) {
      if (PLACE_KINDS.every((kind) => taken[kind] >= perCell) || tried >= MAX_FILES_PER_LANGUAGE) break;
      tried++;
      const text = file.read();
      const lines = text.split("\n").length;
      if (text.length < 400) { skip("under 400 characters"); continue; }
      if (lines > MAX_LINES) { skip(`over ${MAX_LINES} lines`); continue; }
      if (text.includes("\r")) { skip("CRLF line breaks"); continue; }
      if (textVerdict(text) !== "parse" || looksMinified(text)) { skip("minified or too large"); continue; }
      const tree = parseWithLimit(parser, text, null, PARSE_LIMIT_MS);
      if (!tree) { skip("parse timed out"); continue; }
      try {
        const originalErrors = countErrors(tree);
        if (originalErrors > MAX_ORIGINAL_ERRORS) { skip(`over ${MAX_ORIGINAL_ERRORS} syntax errors in the original`); continue; }
        const places = findPlaces(tree.rootNode, text);
        let used = false;
        for (const kind of PLACE_KINDS) {
          for (const place of samplePlaces(places, kind, Math.min(perFile, perCell - taken[kind]), random)) {
            this.records.push(await this.place(language, file.label, text, place, parser, originalErrors));
            taken[kind]++;
            used = true;
          }
        }
        if (used) files.used.push(file.label);
      } finally {
        tree.delete();
      }
    }
  }

  private async place(language: OracleLanguage, label: string, text: string, place: Place, parser: Parser, originalErrors: number): Promise<PlaceRecord> {
    const document = cutAt(text, place);
    const snapshot = fileSnapshot(label, document.text, document.offset);
    const raws: Record<Run, string> = { exact: document.span, runOn: document.span + text.slice(place.end, endOfLinesAfter(text, place.end, CONTINUATION_LINES)) };
    const outcomes = {} as Record<Run, Outcome>;
    for (const run of RUNS) {
      const started = performance.now();
      const suggestion = await completeWithRawOutput(snapshot, raws[run], this.manual);
      this.pipelineMs += performance.now() - started;
      let outcome: Outcome;
      if (!suggestion) {
        outcome = { shown: false, decline: declineReason(snapshot, this.manual) };
      } else {
        const judgement = judge(document, suggestion);
        const errors = judgement.verdict === "whole" ? originalErrors : errorsIn(parser, judgement.result);
        outcome = { shown: true, verdict: judgement.verdict, wrong: judgement.wrong, mode: suggestion.mode, addsErrors: errors === undefined ? undefined : errors > originalErrors };
      }
      outcomes[run] = outcome;
      const failure = failureOf(outcome);
      const key = `${language.name}|${place.kind}|${run}|${failure}`;
      if (failure && (this.exampleCounts.get(key) ?? 0) < EXAMPLES_PER_KEY) {
        this.exampleCounts.set(key, (this.exampleCounts.get(key) ?? 0) + 1);
        this.examples.push({ language: language.name, file: label, kind: place.kind, variant: place.variant, run: RUN_LABEL[run], failure,
          document: excerpt(document), span: document.span, raw: raws[run], shown: suggestion?.text ?? null });
      }
    }
    return { language: language.name, file: label, kind: place.kind, variant: place.variant, start: place.start, end: place.end,
      spanLines: document.span.split("\n").length, exact: outcomes.exact, runOn: outcomes.runOn };
  }
}

interface RunFigures {
  shown: number;
  neverWrong: number;
  whole: number;
  addsErrors: number;
  /** Shares: shown and whole of places, never-wrong and adds-errors of shown. */
  shownShare: number;
  neverWrongShare: number;
  wholeShare: number;
  addsErrorsShare: number;
  failures: Record<string, number>;
}

function figures(records: readonly PlaceRecord[], run: Run): RunFigures {
  const outcomes = records.map((record) => record[run]);
  const shown = outcomes.filter((outcome) => outcome.shown);
  const neverWrong = shown.filter((outcome) => outcome.verdict !== "wrong").length;
  const whole = shown.filter((outcome) => outcome.verdict === "whole").length;
  const addsErrors = shown.filter((outcome) => outcome.addsErrors).length;
  const failures: Record<string, number> = {};
  for (const outcome of outcomes) {
    const failure = failureOf(outcome);
    if (failure) failures[failure] = (failures[failure] ?? 0) + 1;
  }
  const share = (count: number, of: number) => (of === 0 ? 0 : round(count / of, 4));
  return {
    shown: shown.length, neverWrong, whole, addsErrors, failures,
    shownShare: share(shown.length, records.length), neverWrongShare: share(neverWrong, shown.length),
    wholeShare: share(whole, records.length), addsErrorsShare: share(addsErrors, shown.length),
  };
}

function summary(records: readonly PlaceRecord[]) {
  return { places: records.length, exact: figures(records, "exact"), runOn: figures(records, "runOn") };
}

const percent = (share: number) => `${round(share * 100, 1)}%`;

/** One row: each cell gives the exact-span run, then the running-on run. */
function tableRow(label: readonly string[], records: readonly PlaceRecord[]): (string | number)[] {
  const [exact, runOn] = RUNS.map((run) => figures(records, run));
  const both = (cell: (stats: RunFigures) => string) => `${cell(exact)} / ${cell(runOn)}`;
  return [...label, records.length, both((stats) => percent(stats.shownShare)),
    both((stats) => (stats.shown === 0 ? "–" : percent(stats.neverWrongShare))),
    both((stats) => percent(stats.wholeShare)),
    both((stats) => (stats.shown === 0 ? "–" : `${percent(stats.addsErrorsShare)} (${stats.addsErrors})`))];
}

const RUN_HEADERS = ["shown", "≤ span", "whole", "+errors"];

export async function runOracleBench(args: readonly string[]): Promise<void> {
  const perCell = Number(option(args, "places") ?? 150);
  const seed = option(args, "seed") ?? "hearth-oracle";
  const manual = args.includes("--manual");
  const machine = machineInfo();
  const started = performance.now();
  const nodeModules = nodeModulesFiles(join(repoRoot, "node_modules"));
  const bundle = LlamaCppBundle.open(repoRoot, join(repoRoot, ".cache", "oracle"));
  if (!bundle) console.log("llama.cpp bundle not readable (no git, or node-llama-cpp missing): Python, C and C++ come from node_modules' own few files");
  const run = new OracleRun(manual);
  for (const language of ORACLE_LANGUAGES) {
    const languageStarted = performance.now();
    await run.language(language, sourcesFor(language, repoRoot, nodeModules, bundle), perCell, seed);
    const count = run.records.filter((record) => record.language === language.name).length;
    console.log(`  ${language.name}: ${count} places from ${run.files.get(language.name)?.used.length ?? 0} files, ${round((performance.now() - languageStarted) / 1000, 1)} s`);
  }
  const seconds = (performance.now() - started) / 1000;
  const records = run.records;
  const of = (language?: string, kind?: PlaceKind, variant?: string) => records.filter((record) =>
    (language === undefined || record.language === language) && (kind === undefined || record.kind === kind) && (variant === undefined || record.variant === variant));

  const cells = ORACLE_LANGUAGES.flatMap((language) => PLACE_KINDS.map((kind) => ({ language: language.name, kind, ...summary(of(language.name, kind)) })));
  const kinds = PLACE_KINDS.map((kind) => ({ kind, ...summary(of(undefined, kind)) }));
  const variants = PLACE_KINDS.flatMap((kind) => [...new Set(of(undefined, kind).map((record) => record.variant))].sort()
    .map((variant) => ({ kind, variant, ...summary(of(undefined, kind, variant)) })));
  const path = await writeResult("oracle", {
    benchmark: "oracle", date: new Date().toISOString(), machine, seed, placesPerLanguageAndKind: perCell, manual,
    pipeline: "completeDocument (the CLI's --raw-output path) with a ScriptedBackend", continuationLines: CONTINUATION_LINES,
    places: records.length, seconds: round(seconds, 1), pipelineSeconds: round(run.pipelineMs / 1000, 1),
    files: Object.fromEntries(run.files), all: summary(records), kinds, variants, cells, examples: run.examples, records,
  });

  console.log(`\n${records.length} places (${perCell} per language and kind at most), seed ${seed}${manual ? ", manual trigger" : ""}; ${round(seconds, 1)} s, of which the pipeline ${round(run.pipelineMs / 1000, 1)} s; ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}\n`);
  console.log(`Each cell: raw output = ${RUN_LABEL.exact} / ${RUN_LABEL.runOn}. shown and whole: share of places; ≤ span (the shown text is the span or a prefix of it) and +errors (more syntax errors than the original file): share of shown suggestions.\n`);
  const rows = [
    ...ORACLE_LANGUAGES.flatMap((language) => PLACE_KINDS.map((kind) => tableRow([language.name, kind], of(language.name, kind)))),
    ...PLACE_KINDS.map((kind) => tableRow(["all", kind], of(undefined, kind))),
    tableRow(["all", "all"], records),
  ];
  console.log(markdownTable(["language", "kind", "places", ...RUN_HEADERS], rows));
  console.log(`\nBy variant (all languages):\n`);
  console.log(markdownTable(["kind", "variant", "places", ...RUN_HEADERS], variants.map((row) => tableRow([row.kind, row.variant], of(undefined, row.kind, row.variant)))));
  console.log(`\nWhat went wrong (places; partial: a prefix of the span, not all of it):\n`);
  const failureNames = [...new Set(records.flatMap((record) => RUNS.map((name) => failureOf(record[name])).filter((name): name is string => name !== undefined)))].sort();
  console.log(markdownTable(["failure", ...PLACE_KINDS.flatMap((kind) => RUNS.map((name) => `${kind}, ${RUN_LABEL[name]}`))],
    failureNames.map((name) => [name, ...PLACE_KINDS.flatMap((kind) => RUNS.map((runName) => of(undefined, kind).filter((record) => failureOf(record[runName]) === name).length))])));
  console.log(`\nwritten ${path} (with ${run.examples.length} examples of failures)`);
}
