// The HTTP API role: intake, events, links, managers, surveys, KPIs. Stateless: any number of these
// processes can serve one database and one Temporal namespace behind a load balancer.
import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import type { Db } from '../domain/db';
import { buildApi, type ApiPlugin } from './server';
import { intakePlugin } from './intake';
import { kpiPlugin } from './kpi';
import { sequencesPlugin } from './sequences';
import { handoffPlugin } from './handoff';
import { linksPlugin } from './links';
import { mailPlugin } from './mail';
import { managersPlugin } from './managers';
import { surveyPlugin } from './survey';
import type { ApiConfig } from '../runtime/config';
import type { SmtpSink } from '../dev/smtp-sink';
import { isAddressInUse, portInUse } from '../runtime/ports';

/** Every feature of the API, in registration order. */
export const API_PLUGINS: ApiPlugin[] = [mailPlugin, linksPlugin, handoffPlugin, intakePlugin, managersPlugin, surveyPlugin, kpiPlugin, sequencesPlugin];

/** Builds the API and listens on API_HOST:API_PORT; a taken port is named as the HTTP API's. */
export async function listenApi(deps: { db: Db; temporal: Client; config: ApiConfig; sink?: SmtpSink }): Promise<FastifyInstance> {
  const api = await buildApi(deps, API_PLUGINS);
  try {
    await api.listen({ host: deps.config.API_HOST, port: deps.config.API_PORT });
  } catch (e) {
    await api.close();
    if (isAddressInUse(e)) throw portInUse({ port: deps.config.API_PORT, role: 'HTTP API', variable: 'API_PORT' });
    throw e;
  }
  return api;
}
