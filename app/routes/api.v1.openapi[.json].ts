// GET /api/v1/openapi.json: the OpenAPI 3.1 document of the JSON API (SPEC §7). Public, like the API's shape.
import { openApiDocument } from '~/api-docs/openapi';
import { methodNotAllowed } from '~/lib/http.server';

export function loader() {
  return Response.json(openApiDocument, { headers: { 'Cache-Control': 'public, max-age=300' } });
}

export const action = () => methodNotAllowed('GET');
