#!/usr/bin/env bash
# Re-vendor the offline GraphiQL explorer assets from the npm registry.
#
# Downloads exactly the pinned package versions below with `npm pack`,
# checks each tarball against its pinned sha512 integrity, and copies the
# browser (UMD) builds plus each package's LICENSE into
# booking_gateway/static/graphiql/. index.html and README.md in that folder
# are hand-written and left alone.
#
# Usage: scripts/vendor-graphiql.sh        (needs node + npm)
set -euo pipefail

GRAPHIQL_VERSION=3.8.3
REACT_VERSION=18.3.1
REACT_DOM_VERSION=18.3.1

GRAPHIQL_INTEGRITY='sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw=='
REACT_INTEGRITY='sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=='
REACT_DOM_INTEGRITY='sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=='

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo_root/booking_gateway/static/graphiql"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# fetch NAME VERSION INTEGRITY -> unpacks into $tmp/NAME/package
fetch() {
    local name="$1" version="$2" integrity="$3"
    local tarball="$tmp/$name-$version.tgz"
    (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null)
    if [ ! -f "$tarball" ]; then
        echo "error: npm pack did not produce $tarball" >&2
        exit 1
    fi
    local actual
    actual="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
    if [ "$actual" != "$integrity" ]; then
        echo "error: integrity mismatch for $name@$version" >&2
        echo "  expected $integrity" >&2
        echo "  got      $actual" >&2
        exit 1
    fi
    mkdir -p "$tmp/$name"
    tar -xzf "$tarball" -C "$tmp/$name"
    echo "fetched $name@$version ($integrity)"
}

fetch graphiql "$GRAPHIQL_VERSION" "$GRAPHIQL_INTEGRITY"
fetch react "$REACT_VERSION" "$REACT_INTEGRITY"
fetch react-dom "$REACT_DOM_VERSION" "$REACT_DOM_INTEGRITY"

mkdir -p "$dest"
install -m 0644 "$tmp/graphiql/package/graphiql.min.js"                "$dest/graphiql.min.js"
install -m 0644 "$tmp/graphiql/package/graphiql.min.css"               "$dest/graphiql.min.css"
install -m 0644 "$tmp/graphiql/package/LICENSE"                        "$dest/LICENSE.graphiql"
install -m 0644 "$tmp/react/package/umd/react.production.min.js"       "$dest/react.production.min.js"
install -m 0644 "$tmp/react/package/LICENSE"                           "$dest/LICENSE.react"
install -m 0644 "$tmp/react-dom/package/umd/react-dom.production.min.js" "$dest/react-dom.production.min.js"
install -m 0644 "$tmp/react-dom/package/LICENSE"                       "$dest/LICENSE.react-dom"

# The explorer must work offline: refuse assets whose stylesheet pulls
# anything from a remote host (fonts and images must be inlined as data: URLs).
if grep -Eo 'url\([^)]*\)' "$dest/graphiql.min.css" | grep -Ev "url\\(['\"]?data:" | grep -q .; then
    echo "error: graphiql.min.css references non-data url(...) resources" >&2
    exit 1
fi
if grep -Eq '@import' "$dest/graphiql.min.css"; then
    echo "error: graphiql.min.css contains @import" >&2
    exit 1
fi

(
    cd "$dest"
    sha256sum graphiql.min.js graphiql.min.css react.production.min.js \
        react-dom.production.min.js LICENSE.graphiql LICENSE.react LICENSE.react-dom \
        > SHA256SUMS
)
echo "vendored into booking_gateway/static/graphiql/:"
cat "$dest/SHA256SUMS"
