import type { LanguageQueries } from "./queryTypes";

const definitions = `
(function_declaration name: (identifier) @name body: (block) @body) @definition.function
(method_declaration name: (field_identifier) @name body: (block) @body) @definition.method
(type_declaration (type_spec name: (type_identifier) @name type: (struct_type))) @definition.struct
(type_declaration (type_spec name: (type_identifier) @name type: (interface_type))) @definition.interface
(type_declaration (type_spec name: (type_identifier) @name)) @definition.type
(source_file (const_declaration (const_spec name: (identifier) @name)) @definition.constant)
(source_file (var_declaration (var_spec name: (identifier) @name)) @definition.constant)
`;

const imports = `
(import_spec path: (_) @module) @import
(import_spec name: (package_identifier) @local path: (_) @module) @import
`;

export const goQueries: LanguageQueries = {
  definitions,
  imports,
  importDepth: 3,
  identifiers: `[(identifier) (type_identifier) (field_identifier) (package_identifier)] @identifier`,
  // "net/http" binds `http`.
  namespaceLocal: (module) => module.split("/").pop() || undefined,
  // Go exports by capitalisation.
  isExported: (name) => /^[A-Z]/.test(name),
};
