import { toProblem } from '../api/client.js';

/**
 * Signs in with the local stand-in for Cognito (`POST /local/sign-in`, users from the local
 * users file); returns the access token it signs. Refusals come back as ApiProblems.
 */
export async function signInLocally(apiUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${apiUrl}/local/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
    body: JSON.stringify({ username, password }),
  });
  const text = await response.text();
  if (!response.ok) throw toProblem(response.status, response.statusText, text);
  const body = JSON.parse(text) as { accessToken?: unknown };
  if (typeof body.accessToken !== 'string') throw new Error('the sign-in answer has no accessToken');
  return body.accessToken;
}
