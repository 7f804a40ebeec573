import type {
  ConfigData,
  PluginDefinition,
  PluginEnvironment,
  PluginHandler,
  PluginInstance,
  Route,
  Service,
} from "@tether/core";
import { compileBalancers, type CompiledBalancer } from "../balancer/compile-balancers.ts";
import { compileHealthPlan, type HealthPlan } from "../balancer/health-plan.ts";
import { buildConfigView } from "./config-view.ts";
import { certificateWithSecrets, keyWithSecrets, pluginConfigWithSecrets } from "./secrets.ts";
import { compileRouter, type Router } from "../router/match.ts";
import { buildHandshakeMap, type HandshakeMap } from "./handshake-map.ts";
import { buildServerCertificates, type ServerCertificates } from "./server-certificates.ts";
import { selectInstances } from "./select-plugins.ts";
import { buildUpstreamTls, nodeTrustOf, withUpstreamClientCertificate, type UpstreamTls } from "./upstream-tls.ts";
import { knownServerNames, type KnownServerNames } from "../tls/server-names.ts";

/** A plugin instance ready to run: its definition, its stored entity and its handler. */
export interface BoundPlugin {
  definition: PluginDefinition;
  instance: PluginInstance;
  handler: PluginHandler;
}

/** Everything the proxy needs to serve requests, built once per config version and never mutated. */
export interface Snapshot {
  readonly version: number;
  readonly router: Router;
  readonly handshake: HandshakeMap;
  /** The server certificate to present by SNI (certificates/snis entities). */
  readonly serverCertificates: ServerCertificates;
  /** The SNIs that get TLS servers of their own (tls/ticket-servers.ts). */
  readonly serverNames: KnownServerNames;
  /** The TLS of an https service's upstream connections (client certificate, verification), if it sets any. */
  upstreamTls(service: Service): UpstreamTls | undefined;
  /** Every service with its upstream TLS: the connection pools this configuration uses. */
  readonly upstreams: readonly { service: Service; tls: UpstreamTls | undefined }[];
  /** The upstream a service's `host` names, compiled for balancing (undefined: the host is a plain host). */
  balancerFor(service: Service): CompiledBalancer | undefined;
  /** The upstreams' active health checks, and the targets whose health the process keeps. */
  readonly health: HealthPlan;
  /** Plugins of a route, in descending priority. */
  pluginsFor(route: Route): readonly BoundPlugin[];
  /**
   * Global instances with a log phase, in descending priority: Kong runs these (and only these)
   * in the log phase of a request no route matched.
   */
  readonly globalLoggers: readonly BoundPlugin[];
}

export function compileSnapshot(
  data: ConfigData,
  registry: ReadonlyMap<string, PluginDefinition>,
  env: PluginEnvironment,
  // The env vault reads the process environment, as Kong's does (kong/vaults/env).
  environment: Readonly<Record<string, string | undefined>> = process.env,
): Snapshot {
  const services = new Map(data.services.map((s) => [s.id, s]));
  const known = data.plugins.filter((p) => registry.has(p.name));
  const secrets = { vaults: data.vaults, env: environment, envPrefix: env.vaultEnvPrefix };
  const certificates = data.certificates.map((certificate) => certificateWithSecrets(certificate, secrets, env.log));
  const keys = data.keys.map((key) => keyWithSecrets(key, secrets, env.log));
  const view = buildConfigView({ ...data, certificates, keys });
  const handlers = new Map<string, BoundPlugin>();
  for (const instance of known) {
    if (!instance.enabled) continue;
    const definition = registry.get(instance.name)!;
    const config = pluginConfigWithSecrets(definition, instance, secrets, env.log);
    handlers.set(instance.id, { definition, instance, handler: definition.createHandler(config, env, view, { id: instance.id }) });
  }
  const perRoute = new Map<string, readonly BoundPlugin[]>();
  for (const route of data.routes) {
    const bound = selectInstances(route, known)
      .map((i) => handlers.get(i.id)!)
      .sort((a, b) => b.definition.priority - a.definition.priority);
    perRoute.set(route.id, bound);
  }
  const balancers = compileBalancers(data);
  const tlsServices = data.services.map((s) => withUpstreamClientCertificate(s, balancers.get(s.id)?.upstream));
  // The system CAs plus trusted_certificate, made once for the services' TLS and the https probes.
  const nodeTrust = nodeTrustOf(env.trustedCertificates ?? []);
  const upstreamTls = buildUpstreamTls(tlsServices, view.certificate, view.caCertificate, nodeTrust);
  const certPlugins = known.filter((p) => registry.get(p.name)!.requestsClientCertificate);
  return {
    version: data.version,
    router: compileRouter(data.routes, services),
    handshake: buildHandshakeMap(certPlugins, data.routes),
    serverCertificates: buildServerCertificates(certificates, data.snis, env.log),
    serverNames: knownServerNames(data.routes, data.snis),
    pluginsFor: (route) => perRoute.get(route.id) ?? [],
    upstreamTls: (service) => upstreamTls.get(service.id),
    balancerFor: (service) => balancers.get(service.id),
    health: compileHealthPlan(data, view.certificate, nodeTrust),
    // A balanced service's pools are its targets' (one per target address).
    upstreams: data.services.flatMap((service) =>
      (balancers.get(service.id)?.targets.map((t) => t.service) ?? [service]).map((s) => ({ service: s, tls: upstreamTls.get(service.id) })),
    ),
    globalLoggers: [...handlers.values()]
      .filter((b) => !b.instance.route && !b.instance.service && !b.instance.consumer && b.handler.log !== undefined)
      .sort((a, b) => b.definition.priority - a.definition.priority),
  };
}
