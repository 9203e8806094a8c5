import { unary } from '@lanyard/base/grpc';
import type { JwtSvidMinter, JwtSvidMintRequest, MintedJwtSvid } from '../workload';
import type { ServerConnection } from '../client/server-connection';
import { toLanyardError } from '../client/rpc';

interface NewJwtSvidResponse {
  svid: { token: string; issued_at: number; expires_at: number } | null;
}

/** Mints JWT-SVIDs for the Workload API through the server's `SVID.NewJWTSVID` on the agent's mTLS channel. */
export class ServerJwtSvidMinter implements JwtSvidMinter {
  constructor(private readonly connection: ServerConnection) {}

  /** @throws the server's refusal as a LanyardError (`failed to mint JWT-SVID: rpc error: …`). */
  async mintJwtSvid(request: JwtSvidMintRequest): Promise<MintedJwtSvid> {
    const clients = this.connection.clients();
    let response: NewJwtSvidResponse;
    try {
      response = await unary<NewJwtSvidResponse>(
        (opts, cb) =>
          clients.svid.NewJWTSVID({ entry_id: request.entryId, audience: [...request.audience] }, opts, cb),
        10_000,
      );
    } catch (err) {
      throw toLanyardError(err, 'failed to mint JWT-SVID');
    }
    const svid = response.svid;
    if (!svid?.token)
      throw toLanyardError(new Error('server returned no JWT-SVID'), 'failed to mint JWT-SVID');
    return {
      token: svid.token,
      issuedAt: new Date(Number(svid.issued_at) * 1000),
      expiresAt: new Date(Number(svid.expires_at) * 1000),
    };
  }
}
