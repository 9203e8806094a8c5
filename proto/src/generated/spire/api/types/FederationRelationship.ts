// Original file: protos/spire/api/types/federationrelationship.proto

import type { HTTPSWebProfile as _spire_api_types_HTTPSWebProfile, HTTPSWebProfile__Output as _spire_api_types_HTTPSWebProfile__Output } from '../../../spire/api/types/HTTPSWebProfile';
import type { HTTPSSPIFFEProfile as _spire_api_types_HTTPSSPIFFEProfile, HTTPSSPIFFEProfile__Output as _spire_api_types_HTTPSSPIFFEProfile__Output } from '../../../spire/api/types/HTTPSSPIFFEProfile';
import type { Bundle as _spire_api_types_Bundle, Bundle__Output as _spire_api_types_Bundle__Output } from '../../../spire/api/types/Bundle';
import type { Long } from '@grpc/proto-loader';

export interface FederationRelationship {
  'trust_domain'?: (string);
  'bundle_endpoint_url'?: (string);
  'https_web'?: (_spire_api_types_HTTPSWebProfile | null);
  'https_spiffe'?: (_spire_api_types_HTTPSSPIFFEProfile | null);
  'trust_domain_bundle'?: (_spire_api_types_Bundle | null);
  'last_refresh_time'?: (number | string | Long);
  'last_refresh_error'?: (string);
  'bundle_endpoint_profile'?: "https_web"|"https_spiffe";
}

export interface FederationRelationship__Output {
  'trust_domain': (string);
  'bundle_endpoint_url': (string);
  'https_web'?: (_spire_api_types_HTTPSWebProfile__Output | null);
  'https_spiffe'?: (_spire_api_types_HTTPSSPIFFEProfile__Output | null);
  'trust_domain_bundle': (_spire_api_types_Bundle__Output | null);
  'last_refresh_time': (number);
  'last_refresh_error': (string);
  'bundle_endpoint_profile'?: "https_web"|"https_spiffe";
}
