/** Hugging Face PEFT LoRA adapter files ({@code adapter_config.json} + {@code adapter_model.safetensors}) and PEFT's {@code target_modules} rule. */
package io.cohort.format.peft;
