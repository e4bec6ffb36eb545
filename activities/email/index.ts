// What the worker and the API need from the email module.
export { createEmailActivities, messageIdFor, type EmailActivities, type EmailConfig, type EmailDeps, type LeadSignaller } from './send';
export { signLink, verifyLink, linkBuilder, type LinkKind, type LinkPayload, type Verified } from './links';
export { lintTemplates } from './lint';
export { compile, compileAll, render, TemplateError, type RenderedMail } from './render';
export { LOCALES, TEMPLATES, TEMPLATE_IDS, isTemplateId, resolveLocale, type TemplateId, type Locale } from './templates';
export { capUntil, consentDecision, quietUntil, type QuietHours } from './policy';
