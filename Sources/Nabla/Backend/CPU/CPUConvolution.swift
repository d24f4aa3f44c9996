/// CPU kernels for convolution and pooling: convolution and average pooling in float32 through oneDNN
/// (float16/bfloat16 computed in float32), float64 through direct loops (`CPUConvolution+Reference.swift`),
/// which gradient checks use; max pooling in Swift for both (`CPUMaxPooling.swift`).
extension CPUBackend {
    public func conv2d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ attributes: Conv2dAttributes) -> Tensor {
        let g = attributes.geometry(input: x.shape, weight: weight.shape)
        let outShape = [g.batch, g.outChannels, g.outHeight, g.outWidth]
        switch x.dtype {
        case .float32:
            let xc = dense(x), wc = dense(weight), bc = bias.map { dense($0) }
            let out = Tensor(uninitializedShape: outShape, dtype: .float32)
            OneDNNConvolution.forward(g, input: xc.elementPointer(Float.self), weight: wc.elementPointer(Float.self),
                                      bias: bc.map { UnsafePointer($0.elementPointer(Float.self)) }, output: out.elementPointer(Float.self))
            return out
        case .float64:
            return ReferenceConvolution.forward(g, dense(x), dense(weight), bias.map { dense($0) })
        default:
            return cast(conv2d(cast(x, to: .float32), cast(weight, to: .float32), bias.map { cast($0, to: .float32) }, attributes), to: x.dtype)
        }
    }

    public func conv2dBackwardData(_ gradOutput: Tensor, _ weight: Tensor, _ attributes: Conv2dAttributes, inputShape: [Int]) -> Tensor {
        let g = attributes.geometry(input: inputShape, weight: weight.shape)
        switch gradOutput.dtype {
        case .float32:
            let go = dense(gradOutput), wc = dense(weight)
            let out = Tensor(uninitializedShape: inputShape, dtype: .float32)
            OneDNNConvolution.backwardData(g, gradOutput: go.elementPointer(Float.self), weight: wc.elementPointer(Float.self),
                                           gradInput: out.elementPointer(Float.self))
            return out
        case .float64:
            return ReferenceConvolution.backwardData(g, dense(gradOutput), dense(weight))
        default:
            return cast(conv2dBackwardData(cast(gradOutput, to: .float32), cast(weight, to: .float32), attributes, inputShape: inputShape), to: gradOutput.dtype)
        }
    }

    public func conv2dBackwardWeight(_ x: Tensor, _ gradOutput: Tensor, _ attributes: Conv2dAttributes, weightShape: [Int]) -> Tensor {
        let g = attributes.geometry(input: x.shape, weight: weightShape)
        switch x.dtype {
        case .float32:
            let xc = dense(x), go = dense(gradOutput)
            let out = Tensor(uninitializedShape: weightShape, dtype: .float32)
            OneDNNConvolution.backwardWeight(g, input: xc.elementPointer(Float.self), gradOutput: go.elementPointer(Float.self),
                                             gradWeight: out.elementPointer(Float.self), gradBias: nil)
            return out
        case .float64:
            return ReferenceConvolution.backwardWeight(g, dense(x), dense(gradOutput))
        default:
            return cast(conv2dBackwardWeight(cast(x, to: .float32), cast(gradOutput, to: .float32), attributes, weightShape: weightShape), to: x.dtype)
        }
    }

    public func maxPool2d(_ x: Tensor, _ attributes: Pool2dAttributes) -> Tensor {
        let g = attributes.geometry(input: x.shape)
        switch x.dtype {
        case .float32: return SwiftMaxPooling.forward(g, dense(x), Float.self)
        case .float64: return SwiftMaxPooling.forward(g, dense(x), Double.self)
        default: return cast(maxPool2d(cast(x, to: .float32), attributes), to: x.dtype)
        }
    }

    public func maxPool2dBackward(_ x: Tensor, _ gradOutput: Tensor, _ attributes: Pool2dAttributes) -> Tensor {
        let g = attributes.geometry(input: x.shape)
        switch x.dtype {
        case .float32: return SwiftMaxPooling.backward(g, dense(x), dense(gradOutput), Float.self)
        case .float64: return SwiftMaxPooling.backward(g, dense(x), dense(gradOutput), Double.self)
        default: return cast(maxPool2dBackward(cast(x, to: .float32), cast(gradOutput, to: .float32), attributes), to: x.dtype)
        }
    }

    public func avgPool2d(_ x: Tensor, _ attributes: Pool2dAttributes) -> Tensor {
        let g = attributes.geometry(input: x.shape)
        switch x.dtype {
        case .float32:
            let xc = dense(x)
            let out = Tensor(uninitializedShape: [g.batch, g.channels, g.outHeight, g.outWidth], dtype: .float32)
            OneDNNPooling.avgForward(g, input: xc.elementPointer(Float.self), output: out.elementPointer(Float.self))
            return out
        case .float64: return ReferencePooling.avgForward(g, dense(x))
        default: return cast(avgPool2d(cast(x, to: .float32), attributes), to: x.dtype)
        }
    }

    public func avgPool2dBackward(_ gradOutput: Tensor, _ attributes: Pool2dAttributes, inputShape: [Int]) -> Tensor {
        let g = attributes.geometry(input: inputShape)
        switch gradOutput.dtype {
        case .float32:
            let go = dense(gradOutput)
            let out = Tensor(uninitializedShape: inputShape, dtype: .float32)
            OneDNNPooling.avgBackward(g, gradOutput: go.elementPointer(Float.self), gradInput: out.elementPointer(Float.self))
            return out
        case .float64: return ReferencePooling.avgBackward(g, dense(gradOutput))
        default: return cast(avgPool2dBackward(cast(gradOutput, to: .float32), attributes, inputShape: inputShape), to: gradOutput.dtype)
        }
    }
}
