# The one image every Docker action of ci-toolkit runs. Runs as root, as GitHub requires (the
# workspace is mounted from the runner and owned by its user; what a command creates there is
# handed to that user). Reproducible: every dependency is installed from requirements/*.lock,
# pinned with hashes (scripts/release.py lock refreshes them), and the final stage keeps neither
# pip nor the build backend.
FROM python:3.12-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

COPY requirements/build.lock requirements/image.lock /src/requirements/
RUN python -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --require-hashes -r /src/requirements/build.lock \
    && python -m venv /opt/ci-toolkit \
    && /opt/ci-toolkit/bin/pip install --no-cache-dir --require-hashes -r /src/requirements/image.lock

COPY pyproject.toml README.md LICENSE /src/
COPY src /src/src
# Our own wheel, built from this source with the locked backend; its dependencies are the lock's.
RUN /opt/build/bin/pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /wheels /src \
    && /opt/ci-toolkit/bin/pip install --no-cache-dir --no-deps --no-index /wheels/ci_toolkit-*.whl \
    && /opt/ci-toolkit/bin/pip check \
    && /opt/ci-toolkit/bin/pip uninstall --yes pip

FROM python:3.12-slim

LABEL org.opencontainers.image.source="https://github.com/ci-toolkit/ci-toolkit" \
      org.opencontainers.image.description="ci-toolkit: GitHub Actions in Python" \
      org.opencontainers.image.licenses="MIT"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/ci-toolkit/bin:$PATH"

RUN python -m pip uninstall --yes --no-cache-dir --root-user-action=ignore pip
COPY --from=build /opt/ci-toolkit /opt/ci-toolkit

ENTRYPOINT ["ci-toolkit"]
