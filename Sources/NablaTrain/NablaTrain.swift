// NablaTrain: Keras-style training on any Layer (see Trainer).
