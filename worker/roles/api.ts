// The HTTP API role: intake, events, links, managers, surveys, KPIs. Stateless: any number of these
// processes can serve one database and one Temporal namespace behind a load balancer.
import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import type { Db } from '../../activities/db';
import { buildApi, type ApiPlugin } from '../api/server';
import { intakePlugin } from '../api/intake';
import { kpiPlugin } from '../api/kpi';
import { sequencesPlugin } from '../api/sequences';
import { handoffPlugin } from '../api/handoff';
import { linksPlugin } from '../api/links';
import { mailPlugin } from '../api/mail';
import { managersPlugin } from '../api/managers';
import { surveyPlugin } from '../api/survey';
import type { ApiConfig } from '../config';
import type { SmtpSink } from '../smtp-sink';
import { isAddressInUse, portInUse } from './ports';

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
