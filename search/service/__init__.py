"""`news-search serve`: the search service, an HTTP JSON API and a web search page.

    app.py          create_app(ServiceConfig): the FastAPI app, error handlers
    api_routes.py   /api/search, /api/articles/{id}[/similar], /api/stats, /api/alerts[/{name}]
    page_routes.py  / (search page) and /articles/{id}, Jinja2 templates in templates/
    options.py      HTTP parameters -> NewsIndex.search arguments (one mapping for both)
    histogram.py    the page's date histogram from the published:day facet
    pool.py         search processes with a per-query time limit (a killed overrun)
    worker.py       what runs in a search process: calls into the API
    accesslog.py    one access line per request on stderr
    errors.py       the service's errors and their HTTP statuses

FastAPI, uvicorn and Jinja2 are the `serve` extra: nothing here is imported by the
other commands.
"""
