"""What a model server looks like from outside: the images of the serving engines platforms run and the
commands that start one. lint's exposed-serving recognises a model endpoint by them, whoever deployed it
(not only mlopsgen's runtimes): vLLM, Hugging Face TGI and TEI, NVIDIA NIM and Triton, MLServer, KServe's
servers, TorchServe, TensorFlow Serving, SGLang, Ollama, BentoML, LoRAX, Ray Serve."""

from __future__ import annotations

SERVER_IMAGES = (
    "vllm/vllm-openai", "vllm/vllm", "ghcr.io/huggingface/text-generation-inference", "ghcr.io/huggingface/text-embeddings-inference",
    "nvcr.io/nim/", "nvcr.io/nvidia/tritonserver", "seldonio/mlserver", "kserve/", "pytorch/torchserve", "tensorflow/serving",
    "lmsysorg/sglang", "ollama/ollama", "bentoml/", "ghcr.io/predibase/lorax",
)
SERVER_COMMANDS = (
    "vllm serve", "vllm.entrypoints", "text-generation-launcher", "tritonserver", "mlserver start", "torchserve",
    "tensorflow_model_server", "serve run", "serve deploy", "sglang.launch_server", "ollama serve", "bentoml serve",
)


def is_server_image(image: str) -> bool:
    """Whether an image reference names a serving engine (registry mirrors keep the repository path)."""
    return any(image.startswith(prefix) or f"/{prefix}" in image for prefix in SERVER_IMAGES)


def is_server_command(words: list[str]) -> bool:
    text = " ".join(words)
    return any(command in text for command in SERVER_COMMANDS)
