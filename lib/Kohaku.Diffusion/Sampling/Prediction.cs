namespace Kohaku.Diffusion.Sampling;

// What a network outputs for x_t = √ᾱ·x₀ + √(1−ᾱ)·ε: ε (SDXL base), or the velocity
// v = √ᾱ·ε − √(1−ᾱ)·x₀ (v-prediction bases; kohya --v_parameterization, diffusers' get_velocity).
public enum Prediction { Epsilon, V }
