export {
  basicAuthorization,
  credentialFor,
  type HostCredential,
  hasRawUserinfoCharacters,
  parseHttpAuth,
  redactCredentials,
  splitUrlCredentials,
  stripUrlCredentials,
  type UrlCredential,
} from './credentials.js';
export { proxyFor } from './proxy.js';
export { backoffDelay, isTransientNetworkError, isTransientStatus } from './retry.js';
export { DEFAULT_NET_SETTINGS, type NetSettings, netSettings } from './settings.js';
export {
  type HttpMethod,
  type NetRequest,
  type NetResponse,
  NetTransport,
  type NetTransportOptions,
} from './transport.js';
