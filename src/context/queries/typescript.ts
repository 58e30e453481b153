import type { LanguageQueries } from "./queryTypes";

/** Shared by TypeScript and TSX (the TSX grammar has the same node types for these). */
const definitions = `
(function_declaration name: (identifier) @name body: (statement_block) @body) @definition.function
(generator_function_declaration name: (identifier) @name body: (statement_block) @body) @definition.function
(function_signature name: (identifier) @name) @definition.function
(class_declaration name: (type_identifier) @name body: (class_body) @body) @definition.class
(abstract_class_declaration name: (type_identifier) @name body: (class_body) @body) @definition.class
(method_definition name: (_) @name body: (statement_block) @body) @definition.method
(abstract_method_signature name: (_) @name) @definition.method
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(internal_module name: (_) @name body: (statement_block) @body) @definition.module
(lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @definition.function
(program (lexical_declaration (variable_declarator name: (identifier) @name)) @definition.constant)
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name)) @definition.constant))
`;

const imports = `
(import_statement source: (string (string_fragment) @module)) @import
(import_statement (import_clause (identifier) @name)) @import
(import_statement (import_clause (named_imports (import_specifier name: (_) @name !alias)))) @import
(import_statement (import_clause (named_imports (import_specifier name: (_) @name alias: (identifier) @local)))) @import
(import_statement (import_clause (namespace_import (identifier) @local))) @import
(lexical_declaration (variable_declarator name: (identifier) @local value: (call_expression function: (identifier) @_require arguments: (arguments (string (string_fragment) @module)))) (#eq? @_require "require")) @import
(lexical_declaration (variable_declarator name: (object_pattern (shorthand_property_identifier_pattern) @name) value: (call_expression function: (identifier) @_require arguments: (arguments (string (string_fragment) @module)))) (#eq? @_require "require")) @import
`;

export const typescriptQueries: LanguageQueries = {
  definitions,
  imports,
  importDepth: 2,
  identifiers: `[(identifier) (type_identifier) (property_identifier) (shorthand_property_identifier)] @identifier`,
};

export const tsxQueries: LanguageQueries = typescriptQueries;
