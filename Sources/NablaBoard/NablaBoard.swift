// NablaBoard: writes TensorBoard event files (see SummaryWriter and docs/TENSORBOARD.md).
//
// SummaryWriter (public API) → Summary/Event messages (hand-rolled protobuf, ProtobufWriter) →
// TFRecord framing with masked CRC-32C → EventFileWriter (one append-only file per run).
