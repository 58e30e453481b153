// Lint rules: strict TypeScript, no `any`, and no `vscode` import outside the adapters
// and the composition root (the pure core must run in plain Node).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const noVscode = {
  "no-restricted-imports": ["error", {
    paths: [{ name: "vscode", message: "Only src/adapters/ and src/extension.ts may import vscode: keep the core pure." }],
  }],
};

export default tseslint.config(
  { ignores: ["dist/**", "out/**", "node_modules/**", ".vscode-test/**", ".cache/**", "test-results/**", "bench/results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  { files: ["src/core/**/*.ts", "src/engine/**/*.ts", "src/protocol/**/*.ts", "src/webview/**/*.ts", "src/context/**/*.ts"], rules: noVscode },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable", exports: "writable", __dirname: "readonly", process: "readonly", globalThis: "readonly", URL: "readonly" } },
    // Preloads given to `node --require` are plain CommonJS.
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly", Buffer: "readonly", fetch: "readonly", AbortController: "readonly", setInterval: "readonly", clearInterval: "readonly", document: "readonly", window: "readonly" } },
  },
  {
    // Tests of the .mjs scripts are themselves .mjs, run by mocha.
    files: ["test/**/*.test.mjs"],
    languageOptions: { globals: { describe: "readonly", it: "readonly", before: "readonly", after: "readonly", beforeEach: "readonly", afterEach: "readonly" } },
  },
);
