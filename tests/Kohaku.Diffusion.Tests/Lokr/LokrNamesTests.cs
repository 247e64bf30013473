using Kohaku.Diffusion.Lokr;

namespace Kohaku.Diffusion.Tests.Lokr;

public sealed class LokrNamesTests
{
    [Theory]
    [InlineData("transformer.resblocks.3.mlp.c_fc", "lora_te2_text_model_encoder_layers_3_mlp_fc1")]
    [InlineData("transformer.resblocks.31.mlp.c_proj", "lora_te2_text_model_encoder_layers_31_mlp_fc2")]
    [InlineData("transformer.resblocks.0.attn.out_proj", "lora_te2_text_model_encoder_layers_0_self_attn_out_proj")]
    [InlineData("transformer.resblocks.5.ln_1", "lora_te2_text_model_encoder_layers_5_layer_norm1")]
    public void Te2_OpenClipPath_GivesHfFormName(string path, string expected)
    {
        Assert.Equal(expected, LokrNames.Te2(path));
    }

    [Fact]
    public void Unet_SgmPath_ReplacesDots()
    {
        Assert.Equal("lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q", LokrNames.Unet("input_blocks.4.1.transformer_blocks.0.attn1.to_q"));
    }

    [Fact]
    public void Targets_CheckpointKeys_MapBackIncludingQkvThirds()
    {
        var map = LokrNames.Targets(
        [
            "model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn1.to_out.0.weight",
            "conditioner.embedders.0.transformer.text_model.encoder.layers.2.self_attn.q_proj.weight",
            "conditioner.embedders.1.model.transformer.resblocks.7.attn.in_proj_weight",
            "conditioner.embedders.1.model.transformer.resblocks.7.mlp.c_fc.weight",
            "first_stage_model.decoder.conv_in.weight",
        ]);
        Assert.Equal(new LokrNames.CheckpointSlot("model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn1.to_out.0.weight"),
            map["lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_out_0"]);
        Assert.Equal("conditioner.embedders.0.transformer.text_model.encoder.layers.2.self_attn.q_proj.weight", map["lora_te1_text_model_encoder_layers_2_self_attn_q_proj"].Key);
        Assert.Equal(1, map["lora_te2_text_model_encoder_layers_7_self_attn_k_proj"].Third);
        Assert.Equal(2, map["lora_te2_text_model_encoder_layers_7_self_attn_v_proj"].Third);
        Assert.Equal("conditioner.embedders.1.model.transformer.resblocks.7.mlp.c_fc.weight", map["lora_te2_text_model_encoder_layers_7_mlp_fc1"].Key);
        Assert.Equal(6, map.Count);
    }
}
