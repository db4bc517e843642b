FROM python:3.11-slim

RUN useradd --create-home --uid 10001 relais \
    && mkdir /data && chown relais /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY flows ./flows
COPY locales ./locales
# Editable install: the package finds flows/ and locales/ next to it.
RUN pip install --no-cache-dir -e . && relais i18n compile

USER relais
ENV RELAIS_DB=/data/relais.db \
    RELAIS_LISTEN=0.0.0.0:8000
VOLUME /data
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["relais", "serve"]
