// The workflow bundle's entry point: every workflow type the worker registers.
export { leadLifecycle } from './lead-lifecycle';
export { offerCampaign } from './offer-campaign';
