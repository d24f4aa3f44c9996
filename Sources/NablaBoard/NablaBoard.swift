// NablaBoard: writes TensorBoard event files (see SummaryWriter).
