#!/usr/bin/env bash
# Build the deployable artefacts for a stage: build/<stage>/deployment.zip and build/<stage>/sam.json.
#   1. templates/ and catalogue/ are copied into vendor/ so chalice puts them at the package root
#      (/var/task/templates, /var/task/catalogue); the catalogue is schema-checked first.
#   2. chalice package, merged with the template generated from the models and infra/.
#   3. boto3/botocore and their pure-Python dependencies are removed from the zip: the Lambda Python
#      runtime provides them, and they are three quarters of the package. So are fontTools' optional
#      compiled speed-ups (3.4 MB zipped; each has its .py twin, which fontTools falls back to): the
#      receipt PDF (fpdf2) only subsets one font.
#   4. cfn-lint checks the result.
set -euo pipefail
STAGE="${STAGE:-prod}"
OUT="build/${STAGE}"
BIN=".venv/bin"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-eu-central-1}"
rm -rf vendor "${OUT}"
mkdir -p vendor build
cp -r templates vendor/templates
"${BIN}/python" -c "from chalicelib.catalogue import load_catalogue; load_catalogue()"  # schema-checked before it ships
cp -r catalogue vendor/catalogue
"${BIN}/python" -m infra.build_template "${STAGE}" "build/merge-${STAGE}.json"
"${BIN}/chalice" package --stage "${STAGE}" --merge-template "build/merge-${STAGE}.json" "${OUT}"
rm -rf vendor
"${BIN}/python" - "${OUT}/deployment.zip" <<'PY'
import sys, zipfile, shutil, os
PROVIDED = ("boto3/", "botocore/", "s3transfer/", "jmespath/", "dateutil/", "urllib3/", "six.py")
STRAY = ("tests/",)  # a wheel's own test suite at the top level (govuk-frontend-jinja ships one)
OPTIONAL = ("fontTools/",)  # compiled accelerators (*.so) beside their pure-Python modules
src = sys.argv[1]
tmp = src + ".tmp"
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
    for item in zin.infolist():
        top = item.filename.split("/")[0]
        if item.filename.startswith(OPTIONAL) and item.filename.endswith(".so"):
            continue
        if item.filename.startswith(PROVIDED + STRAY) or any(top.startswith(p.rstrip("/").replace("/", "") + "-") and top.endswith(".dist-info") for p in PROVIDED):
            continue
        zout.writestr(item, zin.read(item.filename))
shutil.move(tmp, src)
print(f"{src}: {os.path.getsize(src) / 1e6:.1f} MB")
PY
"${BIN}/cfn-lint" "${OUT}/sam.json"
echo "Packaged stage ${STAGE} into ${OUT}/ (sam.json + deployment.zip); cfn-lint passed."
