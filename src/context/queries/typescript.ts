import { ecmascriptImports } from "./javascript";
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

export const typescriptQueries: LanguageQueries = {
  definitions,
  imports: ecmascriptImports,
  importDepth: 2,
  identifiers: `[(identifier) (type_identifier) (property_identifier) (shorthand_property_identifier)] @identifier`,
};

export const tsxQueries: LanguageQueries = typescriptQueries;
