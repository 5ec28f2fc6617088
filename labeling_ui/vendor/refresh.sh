#!/usr/bin/env bash
# Refresh the vendored browser libraries from the versions pinned in ../package-lock.json.
# Runs npm in a scratch folder outside the repository; copies only built dist files and licences.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ui="$(dirname "$here")"
scratch="${SCRATCH:-$(mktemp -d)}"
cp "$ui/package.json" "$ui/package-lock.json" "$scratch/"
(cd "$scratch" && npm ci --no-fund --no-audit --ignore-scripts)
nm="$scratch/node_modules"

notices() {  # notices OUT OWNER PKG... : concatenate the licence files of the dependencies bundled into OWNER's dist
  local out="$1" owner="$2"; shift 2
  : > "$out"
  for pkg in "$@"; do
    local dir="$nm/$owner/node_modules/$pkg"   # a nested copy is the one the owner was built against
    [ -d "$dir" ] || dir="$nm/$pkg"
    local ver lic file
    ver="$(node -p "require('$dir/package.json').version")"
    lic="$(node -p "require('$dir/package.json').license")"
    file="$(find "$dir" -maxdepth 1 -iname 'licen[cs]e*' | head -1)"
    printf '==== %s@%s (%s) ====\n' "$pkg" "$ver" "$lic" >> "$out"
    if [ -n "$file" ]; then cat "$file" >> "$out"; else echo "(no licence file in the npm package; $lic, same text as the LICENSE beside this file, from the package's repository)" >> "$out"; fi
    printf '\n' >> "$out"
  done
}

a="$here/annotorious"; mkdir -p "$a"
cp "$nm/@annotorious/annotorious/dist/annotorious.es.js" "$nm/@annotorious/annotorious/dist/annotorious.css" "$a/"
notices "$a/THIRD_PARTY_LICENSES.txt" @annotorious/annotorious @annotorious/core nanostores nanoid nanoevents dequal rbush quickselect simplify-js uuid

t="$here/text-annotator"; mkdir -p "$t"
cp "$nm/@recogito/text-annotator/dist/text-annotator.umd.js" "$nm/@recogito/text-annotator/dist/text-annotator.css" "$t/"
notices "$t/THIRD_PARTY_LICENSES.txt" @recogito/text-annotator @annotorious/core colord debounce dequal hotkeys-js poll nanoevents rbush quickselect uuid

s="$here/swagger-ui"; mkdir -p "$s"   # /docs: served by the API, no CDN (factory intranets have no internet)
cp "$nm/swagger-ui-dist/"{swagger-ui-bundle.js,swagger-ui.css,LICENSE,NOTICE,swagger-ui-bundle.js.LICENSE.txt} "$s/"

r="$here/redoc"; mkdir -p "$r"   # /redoc
cp "$nm/redoc/bundles/"{redoc.standalone.js,redoc.standalone.js.LICENSE.txt} "$nm/redoc/LICENSE" "$r/"
# The one request ReDoc makes outside the page: its sidebar logo from a CDN. An empty data: URL
# keeps it offline (the image's onError hides it).
sed -i 's#https://cdn.redoc.ly/redoc/logo-mini.svg#data:,#' "$r/redoc.standalone.js"

echo "vendored into $here (LICENSE files of the two libraries are kept as they are)"
