import type { ParamInfo, ParamRole, Site, SiteKind } from './types.js';
import { ModelError } from '../errors.js';

/**
 * Picks params without knowing the model. Every given field must match.
 * `names` matches a param's full name (`dense_1/kernel`) or a module name
 * (`dense_1`, selecting all its params).
 */
export interface ParamSelector {
  roles?: readonly ParamRole[];
  names?: readonly string[];
  match?: RegExp | ((p: ParamInfo) => boolean);
  /** Only trainable params (true), only frozen ones (false), or both (unset). */
  trainable?: boolean;
}

/** Picks activation sites; every given field must match. */
export interface SiteSelector {
  kinds?: readonly SiteKind[];
  names?: readonly string[];
  match?: RegExp | ((s: Site) => boolean);
}

/** True if `p` is picked by `selector`. */
export function matchesParam(p: ParamInfo, selector: ParamSelector): boolean {
  if (selector.roles && !selector.roles.includes(p.role)) return false;
  if (selector.trainable !== undefined && p.trainable !== selector.trainable) return false;
  if (selector.names && !selector.names.some((n) => p.name === n || p.name.startsWith(`${n}/`))) return false;
  if (selector.match) {
    if (selector.match instanceof RegExp ? !selector.match.test(p.name) : !selector.match(p)) return false;
  }
  return true;
}

/** True if `site` is picked by `selector`. */
export function matchesSite(site: Site, selector: SiteSelector): boolean {
  if (selector.kinds && !selector.kinds.includes(site.kind)) return false;
  if (selector.names && !selector.names.includes(site.name)) return false;
  if (selector.match) {
    if (selector.match instanceof RegExp ? !selector.match.test(site.name) : !selector.match(site)) return false;
  }
  return true;
}

/** Printable form of a selector for error messages. */
export function describeSelector(selector: ParamSelector | SiteSelector): string {
  const parts = Object.entries(selector).map(([k, v]) => `${k}: ${v instanceof RegExp ? String(v) : typeof v === 'function' ? 'fn' : JSON.stringify(v)}`);
  return `{ ${parts.join(', ')} }`;
}

/**
 * The params a plugin's selector picks, or an error naming the plugin, the
 * option and the model's params when it picks none (a typo in a selector
 * must not silently regularise nothing).
 */
export function selectOrThrow(params: readonly ParamInfo[], selector: ParamSelector, owner: string, option = 'select'): ParamInfo[] {
  const picked = params.filter((p) => matchesParam(p, selector));
  if (picked.length === 0) {
    throw new ModelError(
      `${owner}: option '${option}' ${describeSelector(selector)} matches no parameter; the model has ${params.map((p) => `${p.name} (${p.role})`).join(', ')}`,
    );
  }
  return picked;
}

/** The sites a plugin's selector picks, or an error listing the model's sites. */
export function selectSitesOrThrow(sites: readonly Site[], selector: SiteSelector, owner: string, option = 'sites'): Site[] {
  const picked = sites.filter((s) => matchesSite(s, selector));
  if (picked.length === 0) {
    throw new ModelError(`${owner}: option '${option}' ${describeSelector(selector)} matches no site; the model has ${sites.map((s) => `${s.name} (${s.kind})`).join(', ')}`);
  }
  return picked;
}
