#!/usr/bin/env bash
# Renders lmzip's heat map (figure 5) in a real browser and checks that the
# screenshot is not blank. Installs nothing: it needs Chromium at
# /usr/bin/chromium (Debian: apt-get install chromium) or $CHROMIUM, and
# exits 0 with a notice when there is none (set REQUIRE_CHROMIUM=1 to fail).
#
#   scripts/check-heatmap.sh [PAGE.html]
#
# Without PAGE it makes one: the first 1,500 bytes of A Study in Scarlet,
# ranked with lmzip-small.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "check-heatmap: no Chromium at $chromium; skipped"
  [ "${REQUIRE_CHROMIUM:-0}" = 1 ] && exit 1
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/lmzip
(cd "$root" && go build -o "$bin" ./cmd/lmzip)
page=${1:-}
if [ -z "$page" ]; then
  head -c 1500 "$root/examples/compressor/AStudyInScarlet.txt" > "$tmp/excerpt.txt"
  "$bin" tokensOfStr -n small -i "$tmp/excerpt.txt" | "$bin" modelToInx -q -w 1023 -o "$tmp/excerpt.ttout.json"
  "$bin" plot heatmap -i "$tmp/excerpt.ttout.json" -o "$tmp/heat.html"
  page=$tmp/heat.html
fi
page=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")
shot=$tmp/shot.png
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$(mktemp -d)" --hide-scrollbars --window-size=1400,900 \
  --screenshot="$shot" "file://$page" > "$tmp/chromium.log" 2>&1 || { cat "$tmp/chromium.log"; exit 1; }
[ -s "$shot" ] || { echo "check-heatmap: no screenshot"; cat "$tmp/chromium.log"; exit 1; }
# A blank page has one or two colours; the heat map has the black page,
# white headings and the inferno colours of the tokens.
"$bin" plot colors --min 20 "$shot"
if [ -n "${SHOT:-}" ]; then cp "$shot" "$SHOT"; fi
echo "check-heatmap: $page renders in Chromium"
