#!/usr/bin/env bash
# Regenerates Sources/NablaONNX/Generated/onnx.pb.swift from Sources/NablaONNX/Proto/onnx.proto.
#
# Needs `protoc` and `protoc-gen-swift` on PATH:
#   apt-get install -y protobuf-compiler
#   git clone https://github.com/apple/swift-protobuf.git /tmp/swift-protobuf   # or the local mirror
#   (cd /tmp/swift-protobuf && git checkout 1.39.0 && swift build -c release --product protoc-gen-swift)
#   export PATH="/tmp/swift-protobuf/.build/release:$PATH"
# The plugin version must match the SwiftProtobuf runtime Package.swift resolves (1.39.x).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || { echo "protoc not found (apt-get install -y protobuf-compiler)" >&2; exit 1; }
command -v protoc-gen-swift >/dev/null || { echo "protoc-gen-swift not found (see the comment at the top of $0)" >&2; exit 1; }
protoc --proto_path=Sources/NablaONNX/Proto \
       --swift_out=Sources/NablaONNX/Generated \
       --swift_opt=Visibility=Public \
       --swift_opt=FileNaming=DropPath \
       Sources/NablaONNX/Proto/onnx.proto
echo "wrote Sources/NablaONNX/Generated/onnx.pb.swift"
