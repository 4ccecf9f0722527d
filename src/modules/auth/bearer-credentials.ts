import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { API_KEY_PREFIX } from '../credentials/access-tokens';
import { AccessTokenVerifier } from './access-token.verifier';
import type { Principal } from '../../common/principal/principal';
import { tokenParameter } from './request-credential';

/**
 * Turns a bearer credential into a principal: an API key, recognised by its prefix and looked up by
 * hash, or a JWT checked by the access-token verifier. The HTTP guard and the WebSocket endpoints
 * (whose credential may arrive in a message rather than a header) share it.
 */
@Injectable()
export class BearerCredentials {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly accessTokens: AccessTokenVerifier,
  ) {}

  async authenticate(token: string): Promise<Principal> {
    // Blank or spaced text (a realtime auth message may hold any) is no token; refused before the verifier.
    tokenParameter(token, 'access_token');
    if (token.startsWith(API_KEY_PREFIX)) return this.apiKeys.authenticate(token);
    // The verifier reads its token from a request, the way passport strategies do.
    return this.accessTokens.verify({ headers: { authorization: `Bearer ${token}` }, query: {} } as unknown as FastifyRequest);
  }
}
