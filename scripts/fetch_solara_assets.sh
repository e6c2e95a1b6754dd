#!/usr/bin/env bash
# Put Solara's front-end files (JS/CSS it would otherwise load from a public CDN at run time)
# into the venv's proxy cache, so the dashboard works offline (see docs: STACK.md, SolaraViz).
#
# Usage: scripts/fetch_solara_assets.sh [VENV]    (default .venv)
# Fetches each package from the npm registry with `npm pack` (the ordinary npm client) and
# unpacks it as <cache>/<name>@<version>/, the layout of the CDN URLs Solara asks for.
# Packages already present are skipped; a partial unpack never replaces a complete one.
set -euo pipefail
VENV="${1:-.venv}"
CDN="${SOLARA_ASSETS_PROXY_CACHE_DIR:-$VENV/share/solara/cdn}"
# folder name as Solara requests it  ->  npm package spec
ASSETS=(
  "@widgetti/solara-vuetify-app@10.1.1  @widgetti/solara-vuetify-app@10.1.1"
  "requirejs@2.3.6                       requirejs@2.3.6"
  "font-awesome@4.5.0                    font-awesome@4.5.0"
  "@widgetti/vue-grid-layout@2.3.13-alpha.2  @widgetti/vue-grid-layout@2.3.13-alpha.2"
  "vega@5                                vega@5"
  "vega-lite@5                           vega-lite@5"
  "vega-embed@6                          vega-embed@6"
)
command -v npm >/dev/null || { echo "error: npm is needed to fetch Solara's assets (apt-get install npm)" >&2; exit 1; }
mkdir -p "$CDN"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for entry in "${ASSETS[@]}"; do
  read -r folder spec <<<"$entry"
  dest="$CDN/$folder"
  if [ -d "$dest" ] && [ -n "$(ls -A "$dest")" ]; then continue; fi
  echo "fetching $spec -> $dest"
  tarball="$(cd "$tmp" && npm pack --silent "$spec" | tail -1)"
  mkdir -p "$tmp/unpack/$folder"
  tar -xzf "$tmp/$tarball" --strip-components=1 -C "$tmp/unpack/$folder"
  mkdir -p "$(dirname "$dest")"
  rm -rf "$dest"
  mv "$tmp/unpack/$folder" "$dest"
done
echo "Solara assets in $CDN ($(du -sh "$CDN" | cut -f1))"
