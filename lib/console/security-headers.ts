/**
 * The console's security headers, in one place for both ways it is served: the CloudFront
 * response headers policy (lib/console/console-site.ts) and the local console server
 * (local/console/server.ts). The page loads only its own scripts and styles, talks only to
 * itself, the API and the sign-in domain, and may not be framed.
 */
export interface ContentSecurityPolicySources {
  /** Origins the page may call besides its own (the API's, the Cognito domain's token endpoint). */
  readonly connect: readonly string[];
  /** Origins a form may be sent to besides its own. */
  readonly formAction: readonly string[];
}

/** The Content-Security-Policy: nothing inline, nothing from elsewhere but the named origins. */
export function consoleContentSecurityPolicy(sources: ContentSecurityPolicySources): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...sources.connect].join(' ')}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    `form-action ${["'self'", ...sources.formAction].join(' ')}`,
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** How long browsers keep to HTTPS for the console's host (HSTS), seconds: two years. */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;

/** The referrer policy: the API and sign-in domain learn nothing of the page's path. */
export const REFERRER_POLICY = 'strict-origin-when-cross-origin';
