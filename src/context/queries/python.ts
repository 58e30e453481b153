import type { LanguageQueries } from "./queryTypes";

const definitions = `
(function_definition name: (identifier) @name body: (block) @body) @definition.function
(class_definition name: (identifier) @name body: (block) @body) @definition.class
(module (expression_statement (assignment left: (identifier) @name)) @definition.constant)
`;

const imports = `
(import_statement name: (dotted_name) @module) @import
(import_statement name: (aliased_import name: (dotted_name) @module alias: (identifier) @local)) @import
(import_from_statement module_name: (_) @module) @import
(import_from_statement name: (dotted_name) @name) @import
(import_from_statement name: (aliased_import name: (dotted_name) @name alias: (identifier) @local)) @import
(import_from_statement (wildcard_import) @wildcard) @import
`;

export const pythonQueries: LanguageQueries = {
  definitions,
  imports,
  importDepth: 4,
  identifiers: `(identifier) @identifier`,
  // `import os.path` binds `os`.
  namespaceLocal: (module) => module.split(".")[0] || undefined,
  // Python has no export keyword: a leading underscore marks a private name.
  isExported: (name) => !name.startsWith("_"),
};
