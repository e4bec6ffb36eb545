// Template lint: every template compiles in every locale; every placeholder it uses is a declared
// variable of that template or a system variable; a placeholder used without a fallback is a
// variable the schema requires (else a lead could get a blank or a failed send); every required
// variable is used somewhere; the shared layout carries the unsubscribe link. A missing variable
// is found here, not in a customer's inbox.
import { readFileSync } from 'fs';
import path from 'path';
import { compile, TEMPLATES_DIR } from './render';
import { LOCALES, SYSTEM_VARIABLES, TEMPLATES, type TemplateSpec } from './templates';

/** True when the variable's schema lets a mail go out without a value (undefined, null or ''). */
function mayBeEmpty(spec: TemplateSpec, name: string): boolean {
  const schema = spec.variables.shape[name];
  return [undefined, null, ''].some((v) => schema.safeParse(v).success);
}

export async function lintTemplates(specs: Record<string, TemplateSpec> = TEMPLATES, templatesDir = TEMPLATES_DIR): Promise<string[]> {
  const problems: string[] = [];
  const layout = readFileSync(path.join(templatesDir, 'layout.mjml'), 'utf8');
  if (!/href="\{\{unsubscribeUrl\}\}"/.test(layout)) problems.push('layout.mjml: no unsubscribe link (href="{{unsubscribeUrl}}")');
  if (!layout.includes('{{companyAddress}}')) problems.push("layout.mjml: no company address ({{companyAddress}})");
  const system = new Set<string>(SYSTEM_VARIABLES);
  for (const [id, spec] of Object.entries(specs)) {
    const declared = new Set(Object.keys(spec.variables.shape));
    const used = new Set<string>();
    for (const locale of LOCALES) {
      try {
        const c = await compile(id, locale);
        for (const name of c.placeholders) {
          used.add(name);
          if (!declared.has(name) && !system.has(name) && !spec.provided?.includes(name)) problems.push(`${id}/${locale}: uses {{${name}}}, which the template does not declare`);
          else if (declared.has(name) && c.required.has(name) && mayBeEmpty(spec, name)) {
            problems.push(`${id}/${locale}: uses {{${name}}} without a fallback, but the variable is optional (write {{${name}|fallback}} or require it)`);
          }
        }
        if (!c.placeholders.has('unsubscribeUrl')) problems.push(`${id}/${locale}: no unsubscribe link`);
      } catch (e) {
        problems.push(`${id}/${locale}: ${(e as Error).message}`);
      }
    }
    for (const name of declared) {
      if (!used.has(name) && !spec.consumed?.includes(name) && !mayBeEmpty(spec, name)) problems.push(`${id}: requires variable "${name}", which no locale uses`);
    }
  }
  return problems;
}
