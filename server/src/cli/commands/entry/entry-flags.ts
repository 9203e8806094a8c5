/** Flags of `entry create` / `entry update` and their conversion into an entry. */
import { Option } from 'commander';
import { listOption } from '@lanyard/common';
import { CliFailure, boolOption, stringOption, type ApiFlags } from '../support/api-command';
import { idToProto, parseSelector } from '../support/ids';
import { intArg } from '../support/parsers';
import { emptyEntry, type EntryView } from './entry-view';

/** Parsed flags shared by create and update. */
export interface EntryWriteFlags extends ApiFlags {
  entryID?: string;
  parentID?: string;
  spiffeID?: string;
  x509SVIDTTL: number;
  jwtSVIDTTL: number;
  /** Deprecated (removed in SPIRE 1.11): sets the X509-SVID TTL only. */
  ttl: number;
  data?: string;
  selector: string[];
  federatesWith: string[];
  dns: string[];
  node?: boolean;
  admin: boolean;
  downstream: boolean;
  storeSVID: boolean;
  entryExpiry: number;
  hint?: string;
  disableX509SVIDPrefetch?: boolean;
  jwtSVIDIncludeJTI?: boolean;
}

/** A boolean flag whose "not given" (undefined) differs from `-flag=false`. */
function trackedBool(name: string, description: string): Option[] {
  return [new Option(`--${name}`, description), new Option(`--no-${name}`).hideHelp()];
}

/** The flags of `entry create` (`withNode`) or `entry update`. */
export function entryWriteOptions(withNode: boolean): Option[] {
  const options = [
    stringOption('--entryID <id>', 'A custom ID for this registration entry (optional) / the ID to update'),
    stringOption('--parentID <id>', "The SPIFFE ID of this record's parent"),
    stringOption('--spiffeID <id>', 'The SPIFFE ID that this record represents'),
    new Option(
      '--x509SVIDTTL <seconds>',
      'The lifetime, in seconds, for x509-SVIDs issued based on this entry',
    )
      .argParser(intArg)
      .default(0),
    new Option('--jwtSVIDTTL <seconds>', 'The lifetime, in seconds, for JWT-SVIDs issued based on this entry')
      .argParser(intArg)
      .default(0),
    new Option('--ttl <seconds>', 'Deprecated alias of -x509SVIDTTL (removed in SPIRE 1.11)')
      .argParser(intArg)
      .default(0)
      .hideHelp(),
    stringOption('--data <file>', "Path to a file containing registration JSON (optional); '-' reads stdin"),
    listOption(
      '--selector <type:value>',
      'A colon-delimited type:value selector. Can be used more than once',
    ),
    listOption(
      '--federatesWith <td>',
      'SPIFFE ID of a trust domain to federate with. Can be used more than once',
    ),
    listOption(
      '--dns <name>',
      'A DNS name included in SVIDs issued from this entry. Can be used more than once',
    ),
    boolOption('--admin', "Grants the entry's SPIFFE ID access to the server's management APIs"),
    boolOption('--downstream', 'The entry describes a downstream SPIRE server'),
    boolOption('--storeSVID', 'SVIDs issued from this entry must be stored through an SVIDStore plugin'),
    new Option('--entryExpiry <seconds>', 'An expiry, from epoch in seconds, for the entry to be pruned')
      .argParser(intArg)
      .default(0),
    stringOption('--hint <hint>', 'The entry hint, used to disambiguate entries with the same SPIFFE ID'),
    ...trackedBool('disableX509SVIDPrefetch', 'Disables prefetching X509-SVIDs for this entry'),
    ...trackedBool('jwtSVIDIncludeJTI', "Includes a unique 'jti' claim in JWT-SVIDs issued for this entry"),
  ];
  if (withNode)
    options.push(boolOption('--node', 'This entry applies to matching nodes rather than workloads'));
  return options;
}

/** TTL checks shared by create and update (SPIRE's wording), including the deprecated `-ttl`. */
export function validateTtls(flags: EntryWriteFlags): void {
  if (flags.x509SVIDTTL < 0) throw new CliFailure('a positive x509-SVID TTL is required');
  if (flags.jwtSVIDTTL < 0) throw new CliFailure('a positive JWT-SVID TTL is required');
  if (flags.ttl < 0) throw new CliFailure('a positive TTL is required');
  if (flags.ttl > 0 && (flags.x509SVIDTTL > 0 || flags.jwtSVIDTTL > 0)) {
    throw new CliFailure('use x509SVIDTTL and jwtSVIDTTL flags or the deprecated ttl flag');
  }
}

/**
 * Builds the entry described by the flags. `create` resolves the SPIFFE ID first and honours `-node`;
 * `update` resolves the parent first and sends additional attributes whenever one of their flags was given.
 */
export function entryFromFlags(flags: EntryWriteFlags, mode: 'create' | 'update'): EntryView {
  const parentFirst = mode === 'update' ? idToProto(flags.parentID ?? '') : undefined;
  const spiffeId = idToProto(flags.spiffeID ?? '');
  const e = emptyEntry();
  e.id = flags.entryID ?? '';
  e.spiffe_id = spiffeId;
  if (parentFirst) e.parent_id = parentFirst;
  else if (flags.node) e.parent_id = { trust_domain: spiffeId.trust_domain, path: '/spire/server' };
  else e.parent_id = idToProto(flags.parentID ?? '');
  e.downstream = flags.downstream;
  e.expires_at = flags.entryExpiry;
  e.dns_names = flags.dns;
  e.store_svid = flags.storeSVID;
  e.x509_svid_ttl = flags.x509SVIDTTL || flags.ttl;
  e.jwt_svid_ttl = flags.jwtSVIDTTL;
  e.hint = flags.hint ?? '';
  e.selectors = flags.selector.map(parseSelector);
  const attrsGiven =
    mode === 'update'
      ? flags.disableX509SVIDPrefetch !== undefined || flags.jwtSVIDIncludeJTI !== undefined
      : flags.disableX509SVIDPrefetch === true || flags.jwtSVIDIncludeJTI === true;
  if (attrsGiven) {
    e.additional_attributes = {
      disable_x509_svid_prefetch: flags.disableX509SVIDPrefetch === true,
      jwt_svid_include_jti: flags.jwtSVIDIncludeJTI === true,
    };
  }
  e.federates_with = flags.federatesWith;
  e.admin = flags.admin;
  return e;
}
