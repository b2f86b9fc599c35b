# One image for the operator and the roles it starts (writer, observers): `kobench` is the
# entrypoint; the Deployment runs `kobench operator`, role pods run `kobench role ...`.
# Runs as a non-root user (10001) and needs no writable root filesystem (/tmp is an emptyDir).
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY operator ./operator
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
RUN groupadd --gid 10001 kobench \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin kobench
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
EXPOSE 8000 8080
ENTRYPOINT ["kobench"]
CMD ["operator", "--all-namespaces"]
