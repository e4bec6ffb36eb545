// Template lint: every placeholder a template uses in any locale must be a declared variable of that
// template or a system variable, and every mail must carry the unsubscribe link. A missing variable is
// found here, not as a blank in a customer's inbox.
import { LOCALES } from './templates';
import { compile } from './render';
import { SYSTEM_VARIABLES, TEMPLATES, type TemplateSpec } from './templates';

export async function templateProblems(specs: Record<string, TemplateSpec> = TEMPLATES): Promise<string[]> {
  const problems: string[] = [];
  const system = new Set<string>(SYSTEM_VARIABLES);
  for (const [id, spec] of Object.entries(specs)) {
    const declared = new Set(Object.keys(spec.variables.shape));
    for (const locale of LOCALES) {
      try {
        const c = await compile(id, locale);
        for (const name of c.placeholders) {
          if (!declared.has(name) && !system.has(name)) problems.push(`${id}/${locale}: uses {{${name}}}, which the template does not declare`);
        }
        if (!c.placeholders.has('unsubscribeUrl')) problems.push(`${id}/${locale}: no unsubscribe link`);
      } catch (e) {
        problems.push(`${id}/${locale}: ${(e as Error).message}`);
      }
    }
  }
  return problems;
}
