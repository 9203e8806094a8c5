/**
 * The server's built-in node attestors: one line per plugin. Each attestor package's `./server` entry holds
 * only its server half.
 */
import type { NodeAttestorServerPlugin } from '@lanyard/attestor-core';
import { serverCatalog } from '@lanyard/common';
import { serverPlugin as awsIid } from '@lanyard/attestor-aws-iid/server';
import { serverPlugin as azureImds } from '@lanyard/attestor-azure-imds/server';
import { serverPlugin as azureMsi } from '@lanyard/attestor-azure-msi/server';
import { serverPlugin as gcpIit } from '@lanyard/attestor-gcp-iit/server';
import { serverPlugin as joinToken } from '@lanyard/attestor-join-token/server';
import { serverPlugin as k8sPsat } from '@lanyard/attestor-k8s-psat/server';
import { serverPlugin as x509pop } from '@lanyard/attestor-x509pop/server';

/** `NodeAttestor "<name>"` plugins the server can load. */
export const SERVER_NODE_ATTESTORS = serverCatalog<NodeAttestorServerPlugin>('NodeAttestor', [
  joinToken,
  awsIid,
  gcpIit,
  azureMsi,
  azureImds,
  k8sPsat,
  x509pop,
]);
