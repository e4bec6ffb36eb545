// The workflow bundle's entry point: every workflow type the worker registers. No marketing content
// is imported from here on down: sequences, rules, offers and templates are published data.
export { leadLifecycle } from './lead/lifecycle';
export { offerCampaign } from './offers/campaign';
export { eraseLeadHistory, sweepErasures } from './erasure';
