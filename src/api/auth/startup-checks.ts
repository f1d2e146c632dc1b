import { isIP } from 'node:net';

import type { Config } from '../../config/config.js';

type SecurityConfig = Pick<Config, 'middleware' | 'datastore'>;

/** Whether any authentication method guards the API. */
export function isAuthEnabled(config: Pick<Config, 'middleware'>): boolean {
  const web = config.middleware.web;
  return web.basicauth.enabled || web.keyauth.enabled;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * The start-up warnings of the server side of the engine: the API reachable from other machines
 * while anyone may use it, and secrets stored without encryption.
 */
export function securityWarnings(config: SecurityConfig, host: string): string[] {
  const warnings: string[] = [];
  if (!isLoopback(host) && !isAuthEnabled(config)) {
    warnings.push(
      `SECURITY: the API listens on ${host}, reachable from other machines, with authentication off: ` +
        'anyone who can reach it can run commands on this machine. Enable middleware.web.basicauth ' +
        'or middleware.web.keyauth, or set coordinator.address to 127.0.0.1:<port>.',
    );
  }
  if (!config.datastore.encryption.key) {
    warnings.push(
      'SECURITY: datastore.encryption.key is not set: job secrets are stored unencrypted. ' +
        'Set it to encrypt them at rest (AES-256-GCM).',
    );
  }
  return warnings;
}
