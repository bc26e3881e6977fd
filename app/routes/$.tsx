// Any unknown URL: a styled 404 from the root error boundary.
export function loader() {
  throw new Response('Not Found', { status: 404 });
}

export default function NotFound() {
  return null;
}
