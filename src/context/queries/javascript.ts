import type { LanguageQueries } from "./queryTypes";

const definitions = `
(function_declaration name: (identifier) @name body: (statement_block) @body) @definition.function
(generator_function_declaration name: (identifier) @name body: (statement_block) @body) @definition.function
(class_declaration name: (identifier) @name body: (class_body) @body) @definition.class
(method_definition name: (_) @name body: (statement_block) @body) @definition.method
(lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @definition.function
(program (lexical_declaration (variable_declarator name: (identifier) @name)) @definition.constant)
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name)) @definition.constant))
`;

/** ES modules and CommonJS require: the same node types in the JavaScript, TypeScript and TSX grammars. */
export const ecmascriptImports = `
(import_statement source: (string (string_fragment) @module)) @import
(import_statement (import_clause (identifier) @name)) @import
(import_statement (import_clause (named_imports (import_specifier name: (_) @name !alias)))) @import
(import_statement (import_clause (named_imports (import_specifier name: (_) @name alias: (identifier) @local)))) @import
(import_statement (import_clause (namespace_import (identifier) @local))) @import
(lexical_declaration (variable_declarator name: (identifier) @local value: (call_expression function: (identifier) @_require arguments: (arguments (string (string_fragment) @module)))) (#eq? @_require "require")) @import
(lexical_declaration (variable_declarator name: (object_pattern (shorthand_property_identifier_pattern) @name) value: (call_expression function: (identifier) @_require arguments: (arguments (string (string_fragment) @module)))) (#eq? @_require "require")) @import
`;

export const javascriptQueries: LanguageQueries = {
  definitions,
  imports: ecmascriptImports,
  importDepth: 2,
  identifiers: `[(identifier) (property_identifier) (shorthand_property_identifier)] @identifier`,
};
