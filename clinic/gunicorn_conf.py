"""gunicorn's settings for `make serve` and deployments: `gunicorn -c python:clinic.gunicorn_conf`.

The access log holds what an operator needs (time, method, path, status, size, duration) and
nothing a patient typed: no query string (`%(U)s` is the path alone, unlike `%(r)s`), no client
address (`%(h)s`), no referrer (`%(f)s`, whose URL has its own query string), no user agent.
"""

accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
# Drops query strings and hashes addresses in gunicorn's own messages too ("Invalid request from
# ip=...", "Error handling request /path?query").
logger_class = "clinic.logs.GunicornLogger"
