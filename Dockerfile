# syntax=docker/dockerfile:1
# Multi-stage: build a wheel and its pinned dependencies, then run them on a slim, non-root image.
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md constraints.txt ./
COPY booking_gateway ./booking_gateway
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --upgrade "pip>=24" \
 && /opt/venv/bin/pip install -c constraints.txt .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BOOKING_GATEWAY_DATABASE_URL=sqlite:////data/booking_gateway.db
RUN useradd --system --uid 10001 --home-dir /data --create-home gateway
COPY --from=build /opt/venv /opt/venv
USER gateway
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
ENTRYPOINT ["booking-gateway"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
