"""The web edge: routes, response shapes, error statuses, OpenAPI and the HTML gallery."""
