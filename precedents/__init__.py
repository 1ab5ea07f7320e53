"""The precedent finder: paste a request (and optionally the clinical summary or the UR denial's
reasoning), get the most similar past decisions.

    params = parse_precedent_params(request.GET)        # precedents.query
    answer = find(params)                               # precedents.payload: engine + quotes
    data = payload(answer)                              # what the page, the API and the command show

The ranking is the backends' (SearchBackend.precedents, semantics in search.backends.base): the
request classified by the taxonomy picks the procedure (and the body regions it names), and
within each tier the engine's more-like-this over the pasted text orders the decisions.
"""
