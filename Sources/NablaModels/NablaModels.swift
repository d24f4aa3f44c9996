// NablaModels: pretrained models (BERT / all-MiniLM-L6-v2).
