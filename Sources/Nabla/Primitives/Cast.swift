extension Tensor {
    /// The same values converted to `dtype` (floats to integers truncate toward zero; to bool is `!= 0`).
    /// Differentiable between floating dtypes.
    public func cast(to dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        let out = device.backend.cast(self, to: dtype)
        guard dtype.isFloatingPoint, shouldRecord(self) else { return traced(.cast(dtype), inputs: [self], output: out) }
        return record(.cast(dtype), inputs: [self], output: out)
    }

    /// Moves the tensor to `device` (a no-op today: only `.cpu` exists).
    public func to(device: Device) -> Tensor {
        if device == self.device { return self }
        missingKernel("to(device:)", device)
    }

    /// Converts to `dtype` (PyTorch's `x.to(torch.float64)`).
    public func to(_ dtype: DType) -> Tensor { cast(to: dtype) }
}
