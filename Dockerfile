FROM python:3.11-slim

RUN useradd --create-home --uid 10001 relais \
    && mkdir /data && chown relais /data

WORKDIR /app

# Dependencies first, in their own layer: rebuilt only when pyproject.toml changes, not at
# every change of the code.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the code (see .dockerignore for what stays out: .env, databases, .git, tests...).
COPY README.md LICENSE ./
COPY bot ./bot
COPY flows ./flows
COPY locales ./locales
# Editable install: the package finds flows/ and locales/ next to it.
RUN pip install --no-cache-dir --no-deps -e . && relais i18n compile

USER relais
ENV RELAIS_DB=/data/relais.db \
    RELAIS_LISTEN=0.0.0.0:8000
VOLUME /data
EXPOSE 8000
# Probes the address in RELAIS_LISTEN (change the port there, the check follows).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot.web.healthcheck"]
CMD ["relais", "serve"]
