import assert from 'node:assert/strict';
import type { Api, ApiResponse } from './http';

/** Posts a GraphQL operation to a workspace's endpoint (base: /api/v1/w/{ws}). */
export function graphql(api: Api, base: string, query: string, variables?: Record<string, unknown>): Promise<ApiResponse> {
  return api.post(`${base}/graphql`, variables ? { query, variables } : { query });
}

/** The data of a GraphQL answer that must have no errors. */
export async function graphqlData(api: Api, base: string, query: string, variables?: Record<string, unknown>): Promise<any> {
  const response = await graphql(api, base, query, variables);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.errors, undefined, response.text);
  return response.body.data;
}

/** Asserts a GraphQL answer whose first error carries the contract's code. */
export function assertGraphQLError(response: ApiResponse, code: string, message?: RegExp): void {
  const errors = response.body?.errors;
  assert.ok(Array.isArray(errors) && errors.length > 0, response.text);
  assert.equal(errors[0].extensions?.code, code, response.text);
  if (message) assert.match(errors[0].message, message);
}
