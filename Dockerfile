# The one image every Docker action of ci-toolkit runs. Runs as root, as GitHub requires
# (the workspace is mounted from the runner and owned by it).
FROM python:3.12-slim

LABEL org.opencontainers.image.source="https://github.com/ci-toolkit/ci-toolkit" \
      org.opencontainers.image.description="ci-toolkit: GitHub Actions in Python" \
      org.opencontainers.image.licenses="MIT"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY pyproject.toml README.md LICENSE /src/
COPY src /src/src
RUN pip install --no-cache-dir /src && rm -rf /src

ENTRYPOINT ["ci-toolkit"]
